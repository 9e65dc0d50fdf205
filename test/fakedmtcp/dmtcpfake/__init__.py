"""dmtcpfake: stand-ins for DMTCP's dmtcp_launch, dmtcp_command and dmtcp_restart (see ../README.md)."""
