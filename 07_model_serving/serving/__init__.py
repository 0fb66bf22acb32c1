"""The service layer: requests checked, handed to the engine, followed, stored."""
