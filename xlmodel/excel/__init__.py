"""The Excel-facing layer: sheet layout, the function catalogue, cell adapters, macros."""
