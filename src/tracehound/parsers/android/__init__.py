"""Android parsers: one self-registering file per artifact (androidqf, bugreport, backup)."""
