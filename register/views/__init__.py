"""Public pages, one module per area of the site. Views only read (through register.queries, register.listing and
register.search) and render; downloads stream through register.downloads."""
