/** The wrapper of every polled fragment: htmx re-fetches it on the chosen interval or on demand. */
import type { Child } from "hono/jsx";
import type { Refresh } from "./refresh.ts";

/** The custom event that the Refresh-now button (and an interval change) fires on <body>. */
const REFRESH_EVENT = "refresh-now";

/** The hx-trigger for an interval: polling plus the refresh-now event, or the event alone. */
function pollTrigger(refresh: Refresh): string {
  const onDemand = `${REFRESH_EVENT} from:body`;
  return refresh === "off" ? onDemand : `every ${refresh}s, ${onDemand}`;
}

/**
 * A fragment that replaces itself with GET /fragments/NAME, sending the chosen interval along.
 * A trigger that fires while a request is in flight queues one more after it (never an abort, so
 * a slow answer at a 1 s interval or a Refresh-now click never cancels a request midway).
 */
export function Polled(
  props: { name: string; refresh: Refresh; class?: string; children?: Child },
) {
  return (
    <div
      id={`panel-${props.name}`}
      class={props.class}
      data-poll={props.name}
      hx-get={`/fragments/${props.name}`}
      hx-trigger={pollTrigger(props.refresh)}
      hx-include="#controls"
      hx-swap="outerHTML"
      hx-sync="this:queue last"
    >
      {props.children}
    </div>
  );
}
