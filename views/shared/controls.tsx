/**
 * The sidebar controls: time range with custom dates (when the page has one), refresh interval and
 * Refresh now.
 */
import { type Refresh, REFRESH_CHOICES } from "./refresh.ts";
import { RANGE_CHOICES, type RangeChoice } from "./url_selection.ts";

/** What a page's controls carry: its range, custom dates, zone and the active filters. */
export interface ControlsState {
  range: RangeChoice;
  filters: { name: string; value: string }[];
  /** the date inputs' values, YYYY-MM-DD (empty for all time) */
  fromDate: string;
  toDate: string;
  /** the zone the URL named (kept in the form), or null */
  tz: string | null;
  /** the zone's short name, for the date inputs' labels */
  zoneName: string;
}

/**
 * The controls form of a page: a plain GET form that works without JavaScript (pick a range, or
 * "Custom dates" and the dates, and press Apply; the active filters ride along as hidden fields);
 * static/dashboard.js turns a new interval into a URL update and a refresh, and a new range or
 * dates into a new page. Polled panels send its fields.
 */
export function Controls(props: {
  refresh: Refresh;
  action: string;
  state?: ControlsState;
}) {
  const state = props.state;
  return (
    <form class="controls" method="get" action={props.action} id="controls">
      {state && (
        <>
          <label for="range">Time range</label>
          <select name="range" id="range">
            {RANGE_CHOICES.map((choice) => (
              <option value={choice.value} selected={choice.value === state.range}>
                {choice.label}
              </option>
            ))}
          </select>
          <fieldset class="dates">
            <legend>Custom dates ({state.zoneName})</legend>
            <label for="from">From</label>
            <input type="date" name="from" id="from" value={state.fromDate} />
            <label for="to">To (included)</label>
            <input type="date" name="to" id="to" value={state.toDate} />
          </fieldset>
          {state.tz !== null && <Hidden name="tz" value={state.tz} />}
          {state.filters.map((f) => <Hidden key={f.name} name={f.name} value={f.value} />)}
        </>
      )}
      <label for="refresh">Refresh every</label>
      <select name="refresh" id="refresh">
        {REFRESH_CHOICES.map((choice) => (
          <option value={choice} selected={choice === props.refresh}>
            {choice === "off" ? "off" : `${choice} s`}
          </option>
        ))}
      </select>
      <button type="submit" id="refresh-now">{state ? "Apply and refresh" : "Refresh now"}</button>
    </form>
  );
}

/** A field carried by the form. */
function Hidden({ name, value }: { name: string; value: string }) {
  return <input type="hidden" name={name} value={value} />;
}
