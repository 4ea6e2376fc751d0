// Read an iCalendar file on stdin with Mozilla's ical.js (Thunderbird's engine) and print one
// JSON line per timed event: {"uid", "start", "end"} as UTC ISO 8601 instants, resolved
// through the file's own VTIMEZONEs. Used by tests/test_independent_readers.py.
const loaded = require(process.env.ICALJS_MODULE || "ical.js");
const ICAL = loaded.default || loaded;
let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (text += chunk));
process.stdin.on("end", () => {
  const root = new ICAL.Component(ICAL.parse(text));
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtz);
  }
  for (const vevent of root.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(vevent);
    if (event.startDate.isDate) continue;
    process.stdout.write(
      JSON.stringify({
        uid: event.uid,
        start: event.startDate.toJSDate().toISOString(),
        end: event.endDate.toJSDate().toISOString(),
      }) + "\n",
    );
  }
});
