"""Pure core: units, dosing, protocol models, schedule engine. No I/O, no terminal code."""
