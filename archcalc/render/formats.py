"""The output formats every table command offers (``--format``), as a constant the command
line can read without importing any renderer."""

FORMATS = ("text", "github", "markdown", "csv", "tsv", "json", "latex", "html")
FORMAT_HELP = ("Output format: text (aligned columns), github or markdown (a Markdown table; "
               "markdown marks each column's alignment), csv or tsv (exact integers), json, "
               "latex (a booktabs table) or html (a table fragment).")
