/**
 * Seats taken out of the capacity, as a bar; unlimited courses show the count only.
 * A screen reader reads the bar (its name and value text) and not the visible text beside
 * it, which says the same: a cell is read once.
 */
export function CapacityBar({
  courseName,
  enrolled,
  capacity,
}: {
  courseName: string;
  enrolled: number;
  capacity: number | null;
}) {
  if (capacity === null) {
    return <span className="capacity-text">{enrolled} enrolled, no seat limit</span>;
  }
  const text = `${enrolled} of ${capacity} ${capacity === 1 ? "seat" : "seats"} taken`;
  const full = enrolled >= capacity;
  const shownText = full ? `${text} (full)` : text;
  return (
    <div className="capacity">
      {/* low/high/optimum colour the bar: green while seats are plenty, amber from 80%, red when full */}
      <meter
        className="capacity-bar"
        aria-label={`Seats taken in ${courseName}`}
        aria-valuetext={full ? `${text}, full` : text}
        min={0}
        max={capacity}
        value={Math.min(enrolled, capacity)}
        optimum={0}
        low={capacity * 0.8}
        high={capacity - 0.5}
      />
      <span className="capacity-text" aria-hidden="true">
        {shownText}
      </span>
    </div>
  );
}

/** "3 seats left", "Full", "No seat limit". */
export function seatsLeftText(enrolled: number, capacity: number | null): string {
  if (capacity === null) return "no seat limit";
  const left = Math.max(0, capacity - enrolled);
  if (left === 0) return "full";
  return left === 1 ? "1 seat left" : `${left} seats left`;
}
