"""Tools that run Tutordesk for real, outside the product: see harness.servers."""
