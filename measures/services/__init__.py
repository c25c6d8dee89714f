"""Service functions of the measures app, one module per workflow:

- measurements: saving, validating, uploading monthly data, month completion (data entry)
- definitions: goals, indicators and their versions, local targets (expert group)
- improvement: driver diagrams and PDSA cycles
The chart pipeline (stale marking, computation, sweeps) lives in measures.charts.
"""
