/** The sidebar controls: refresh interval and Refresh now; a plain GET form that works without JS. */
import { type Refresh, REFRESH_CHOICES } from "../../lib/serve/refresh.ts";

/** The refresh form of a page; static/dashboard.js turns its changes into URL updates and refresh events. */
export function Controls({ refresh, action }: { refresh: Refresh; action: string }) {
  return (
    <form class="controls" method="get" action={action} id="controls">
      <label for="refresh">Refresh every</label>
      <select name="refresh" id="refresh">
        {REFRESH_CHOICES.map((choice) => (
          <option value={choice} selected={choice === refresh}>
            {choice === "off" ? "off" : `${choice} s`}
          </option>
        ))}
      </select>
      <button type="submit" id="refresh-now">Refresh now</button>
    </form>
  );
}
