"""Adapters to the outside world: protocol files, holiday tables and the system zone, output files."""
