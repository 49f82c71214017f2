"""What runs the work below the web layer: the assembly of models into a pipeline, and
the services every entry point shares."""
