DissectorTable.get("ws.protocol"):add("mqtt", Dissector.get("mqtt"))
