#!/usr/bin/env python3
"""Writes twilio-core/tests/data/twiml_golden.json: the TwiML the official `twilio` Python package
(VoiceResponse) produces for the calls that tests/twiml_golden.rs makes with twilio_core::twiml.

Usage: python3 gen_twiml_golden.py > ../tests/data/twiml_golden.json
"""
import json

import twilio
from twilio.twiml.voice_response import Gather, VoiceResponse


def empty():
    return VoiceResponse()


def say_all_attributes():
    r = VoiceResponse()
    r.say("Boiler 3 at 92.5 C, limit 90 C.", voice="Polly.Joanna", language="en-US", loop=2)
    return r


def escaping():
    r = VoiceResponse()
    r.say('Tank <A> & "B" \'C\' > 90%', voice='a"b<c>&d\ne\tf')
    r.redirect("https://example.com/next?a=1&b=2", method="GET")
    return r


def play_and_pause():
    r = VoiceResponse()
    r.play("https://example.com/siren.mp3", loop=3)
    r.play(digits="ww1234")
    r.pause(length=2)
    r.pause()
    return r


def acknowledge_call():
    r = VoiceResponse()
    r.say("Critical alert. Pump 4 pressure 9.1 bar above 8.0 bar at plant B.", voice="alice", loop=2)
    g = Gather(input="dtmf", num_digits=1, timeout=10, action="/calls/ack?id=42&x=1", method="POST", finish_on_key="#")
    g.say("Press 1 to acknowledge, 2 to escalate.", language="en-GB")
    g.pause(length=1)
    g.play("https://example.com/beep.wav")
    r.append(g)
    r.say("No input received. Goodbye.")
    r.hangup()
    return r


def gather_speech_empty():
    r = VoiceResponse()
    r.append(Gather(input="dtmf speech", timeout=5))
    r.append(Gather(input="speech", finish_on_key=""))
    return r


def dial_and_redirect():
    r = VoiceResponse()
    r.dial("+15558675310", caller_id="+15551234567", timeout=20)
    r.dial("+15558675311")
    r.redirect("/escalate", method="POST")
    r.redirect("/plain")
    return r


def unicode_text():
    r = VoiceResponse()
    r.say("Température élevée: 31°C — vérifiez ☎", language="fr-FR")
    return r


cases = [empty, say_all_attributes, escaping, play_and_pause, acknowledge_call, gather_speech_empty,
         dial_and_redirect, unicode_text]
print(json.dumps({
    "generator": f"twilio-core/tools/gen_twiml_golden.py with twilio {twilio.__version__}",
    "cases": {case.__name__: str(case().to_xml()) for case in cases},
}, indent=1, ensure_ascii=False))
