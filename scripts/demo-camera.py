#!/usr/bin/env python3
"""The demo's ANPR camera at the scanning lane: pushes one Hikvision ISAPI
`EventNotificationAlert` (eventType ANPR) per plate it reads to the
vehicle's ingest address, as a camera configured with an HTTP push does.

    demo-camera.py URL CHANNEL PLATE [PLATE ...]

Exits non-zero if a push is not answered 200 (the camera would retry).
"""
import datetime
import sys
import urllib.request

XML = """<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<ipAddress>10.20.0.64</ipAddress><channelID>{channel}</channelID>
<dateTime>{time}</dateTime>
<activePostCount>1</activePostCount>
<eventType>ANPR</eventType><eventState>active</eventState>
<eventDescription>ANPR</eventDescription>
<ANPR><licensePlate>{plate}</licensePlate>
<confidenceLevel>{confidence}</confidenceLevel><direction>forward</direction></ANPR>
</EventNotificationAlert>
"""


def push(url, channel, plate, confidence):
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    body = XML.format(channel=channel, time=now, plate=plate,
                      confidence=confidence).encode("utf-8")
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/xml"})
    with urllib.request.urlopen(req, timeout=10) as answer:
        if answer.status != 200:
            raise SystemExit(f"camera push of {plate} answered {answer.status}")


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    url, channel = sys.argv[1], sys.argv[2]
    for i, plate in enumerate(sys.argv[3:]):
        push(url, channel, plate, 92 - 7 * i)
        print(f"camera {channel}: read {plate}")


if __name__ == "__main__":
    main()
