"""The Dash dashboards of Archive Oversight (档案外包监管分析): `dashboards.app` builds the app,
`dashboards.serve` serves it (`oversight serve`)."""
