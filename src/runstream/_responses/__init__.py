"""The Responses API dialect: ``response.*`` events into the ``response`` object."""
