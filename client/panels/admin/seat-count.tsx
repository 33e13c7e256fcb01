// "N of M seats used", warning when the subscription is full (the next link would be refused).
export function SeatCount({ seats }: { seats: { used: number; total: number | null } }) {
  if (seats.total === null) return <span>{seats.used} seats used</span>;
  const full = seats.used >= seats.total;
  return (
    <span class={full ? 'seats seats-full' : 'seats'}>
      {seats.used} of {seats.total} seats used{full ? ' (full: unlink someone or add seats to link more)' : ''}
    </span>
  );
}
