import { type Ref, useId } from "react";
import { type EventTypePattern, eventGroups } from "../event-types.ts";

/**
 * The events a webhook subscribes to: per resource, all of them (`student.*`, which takes
 * in types added later too) or some types. Checking "All" checks and locks its types, so
 * the form sends the pattern alone.
 */
export function EventTypePicker({
  selected,
  onChange,
  firstBox,
  describedBy,
}: {
  selected: ReadonlySet<EventTypePattern>;
  onChange: (next: Set<EventTypePattern>) => void;
  /** the first checkbox, which takes the focus when the server blames the event types */
  firstBox?: Ref<HTMLInputElement>;
  /** the id of a message about the choice (the server's refusal) */
  describedBy?: string | undefined;
}) {
  const legendId = useId();
  const toggle = (name: EventTypePattern, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(name);
    else next.delete(name);
    onChange(next);
  };
  return (
    <fieldset className="event-picker" aria-labelledby={legendId} aria-describedby={describedBy}>
      <legend id={legendId}>Events to send</legend>
      <div className="event-groups">
        {eventGroups.map((group, index) => {
          const all = selected.has(group.pattern);
          return (
            <fieldset key={group.pattern} className="event-group">
              <legend>{group.label}</legend>
              <label className="checkbox">
                <input
                  ref={index === 0 ? firstBox : undefined}
                  type="checkbox"
                  checked={all}
                  onChange={(event) => toggle(group.pattern, event.target.checked)}
                />
                <span>
                  All <code>{group.pattern}</code>
                </span>
              </label>
              {group.types.map((type) => (
                <label key={type} className="checkbox">
                  <input
                    type="checkbox"
                    checked={all || selected.has(type)}
                    disabled={all}
                    onChange={(event) => toggle(type, event.target.checked)}
                  />
                  <code>{type}</code>
                </label>
              ))}
            </fieldset>
          );
        })}
      </div>
    </fieldset>
  );
}

/** What the form sends: a resource's pattern when "All" is checked, else the types checked. */
export function chosenEventTypes(selected: ReadonlySet<EventTypePattern>): EventTypePattern[] {
  return eventGroups.flatMap((group) =>
    selected.has(group.pattern) ? [group.pattern] : group.types.filter((type) => selected.has(type)),
  );
}
