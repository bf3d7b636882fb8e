"""REST v1: request and response models (``schemas_*``) and routers (``routes_*``)."""
