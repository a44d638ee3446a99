/** The sidebar controls: time range (when the page has one), refresh interval and Refresh now. */
import { type Refresh, REFRESH_CHOICES } from "./refresh.ts";
import { RANGE_CHOICES, type RangeChoice } from "./url_selection.ts";

/**
 * The controls form of a page: a plain GET form that works without JavaScript (the active
 * filters ride along as hidden fields); static/dashboard.js turns a new interval into a URL
 * update and a refresh, and a new range into a new page. Polled panels send its fields.
 */
export function Controls(props: {
  refresh: Refresh;
  action: string;
  range?: RangeChoice;
  filters?: { name: string; value: string }[];
}) {
  return (
    <form class="controls" method="get" action={props.action} id="controls">
      {props.range !== undefined && (
        <>
          <label for="range">Time range</label>
          <select name="range" id="range">
            {RANGE_CHOICES.map((choice) => (
              <option value={choice.value} selected={choice.value === props.range}>
                {choice.label}
              </option>
            ))}
          </select>
        </>
      )}
      {(props.filters ?? []).map((f) => <Hidden key={f.name} name={f.name} value={f.value} />)}
      <label for="refresh">Refresh every</label>
      <select name="refresh" id="refresh">
        {REFRESH_CHOICES.map((choice) => (
          <option value={choice} selected={choice === props.refresh}>
            {choice === "off" ? "off" : `${choice} s`}
          </option>
        ))}
      </select>
      <button type="submit" id="refresh-now">Refresh now</button>
    </form>
  );
}

/** A filter carried by the form. */
function Hidden({ name, value }: { name: string; value: string }) {
  return <input type="hidden" name={name} value={value} />;
}
