"""Local FDSN web services for tests: real components on 127.0.0.1.

- :mod:`.dataselect`: EarthScope's ``portable-fdsnws-dataselect`` server
  (a subprocess) over miniSEED files indexed with ``mseedindex``.
- :mod:`.metadata`: fdsnws-station and fdsnws-event (stdlib ``http.server``)
  over a StationXML and a QuakeML file.
- :mod:`.front`: one base URL for all three (``/fdsnws/{dataselect,station,event}/1/``)
  that forwards dataselect to the portable server and can inject faults.
- :mod:`.fixtures`: pytest fixtures.
"""
