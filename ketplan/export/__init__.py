"""Exporters: turn core results into tables, JSON, CSV and iCalendar. No clinical logic here."""
