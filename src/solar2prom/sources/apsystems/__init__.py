"""APsystems: the EMA website, the OpenAPI, the ECU on TCP port 8899 and the EZ1 local API."""
