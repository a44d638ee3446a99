package local.salesstream.reports.decode;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** The 50 US states and the District of Columbia, as lib/core/us_states.ts lists them. */
final class UsStates {
  private UsStates() {}

  private static final String[][] STATES = {
    {"AL", "Alabama"}, {"AK", "Alaska"}, {"AZ", "Arizona"}, {"AR", "Arkansas"},
    {"CA", "California"}, {"CO", "Colorado"}, {"CT", "Connecticut"}, {"DE", "Delaware"},
    {"DC", "District of Columbia"}, {"FL", "Florida"}, {"GA", "Georgia"}, {"HI", "Hawaii"},
    {"ID", "Idaho"}, {"IL", "Illinois"}, {"IN", "Indiana"}, {"IA", "Iowa"}, {"KS", "Kansas"},
    {"KY", "Kentucky"}, {"LA", "Louisiana"}, {"ME", "Maine"}, {"MD", "Maryland"},
    {"MA", "Massachusetts"}, {"MI", "Michigan"}, {"MN", "Minnesota"}, {"MS", "Mississippi"},
    {"MO", "Missouri"}, {"MT", "Montana"}, {"NE", "Nebraska"}, {"NV", "Nevada"},
    {"NH", "New Hampshire"}, {"NJ", "New Jersey"}, {"NM", "New Mexico"}, {"NY", "New York"},
    {"NC", "North Carolina"}, {"ND", "North Dakota"}, {"OH", "Ohio"}, {"OK", "Oklahoma"},
    {"OR", "Oregon"}, {"PA", "Pennsylvania"}, {"RI", "Rhode Island"}, {"SC", "South Carolina"},
    {"SD", "South Dakota"}, {"TN", "Tennessee"}, {"TX", "Texas"}, {"UT", "Utah"},
    {"VT", "Vermont"}, {"VA", "Virginia"}, {"WA", "Washington"}, {"WV", "West Virginia"},
    {"WI", "Wisconsin"}, {"WY", "Wyoming"},
  };

  private static final Map<String, String> BY_CODE = new HashMap<>();
  private static final Map<String, String> BY_NAME = new HashMap<>();

  static {
    for (String[] state : STATES) {
      BY_CODE.put(state[0], state[1]);
      BY_NAME.put(state[1].toLowerCase(Locale.ROOT), state[0]);
    }
  }

  /**
   * The two-letter code for a state code or full name in any case (surrounding whitespace
   * ignored), or null. Case mapping is Unicode's, as in JavaScript: "ıa" is IA.
   */
  static String code(String text) {
    String t = JsText.trim(text);
    if (t.length() == 2) {
      String upper = t.toUpperCase(Locale.ROOT);
      if (BY_CODE.containsKey(upper)) return upper;
    }
    return BY_NAME.get(t.toLowerCase(Locale.ROOT));
  }
}
