// Timestamps as kubectl's describe prints them: RFC 1123 with a numeric zone, in local
// time ("Mon, 02 Jan 2006 15:04:05 -0700").

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function two(n: number): string {
  return String(n).padStart(2, "0");
}

export function formatTime(date: Date | undefined): string {
  if (date === undefined) return "<unset>";
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const zone = `${sign}${two(Math.trunc(Math.abs(offset) / 60))}${two(Math.abs(offset) % 60)}`;
  return (
    `${DAYS[date.getDay()] ?? ""}, ${two(date.getDate())} ${MONTHS[date.getMonth()] ?? ""} ` +
    `${date.getFullYear()} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${zone}`
  );
}
