#!/usr/bin/env python3
"""Extracts the parameters of Verify v2 CreateVerification and CreateVerificationCheck, of
Lookup v2 FetchPhoneNumber, and the query parameters of v2010's ListMessage and ListCall from
Twilio's OpenAPI YAML into JSON files shaped like the v2010 extracts
({"form_parameters": [{"name", "enum"?}]}), for examples/check_request_spec.rs.

Usage: extract_verify_lookup_params.py OPENAPI_DIR OUT_DIR
"""
import json
import os
import sys

import yaml


def form_params(spec, path):
    op = spec["paths"][path]["post"]
    schema = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    return [{"name": name} for name in schema["properties"]], schema.get("required", [])


def main():
    src, out = sys.argv[1], sys.argv[2]
    with open(os.path.join(src, "twilio_verify_v2.yaml")) as f:
        verify = yaml.safe_load(f)
    with open(os.path.join(src, "twilio_lookups_v2.yaml")) as f:
        lookups = yaml.safe_load(f)
    with open(os.path.join(src, "twilio_api_v2010.yaml")) as f:
        api = yaml.safe_load(f)
    accounts = "/2010-04-01/Accounts/{AccountSid}/"
    lists = [[{"name": p["name"]} for p in api["paths"][accounts + name]["get"]["parameters"]
              if p.get("in") == "query"] for name in ("Messages.json", "Calls.json")]
    channels = verify["components"]["schemas"]["verification_enum_channel"]["enum"]
    start, required = form_params(verify, "/v2/Services/{ServiceSid}/Verifications")
    for p in start:
        if p["name"] == "Channel":
            p["enum"] = channels
    check, _ = form_params(verify, "/v2/Services/{ServiceSid}/VerificationCheck")
    fetch = lookups["paths"]["/v2/PhoneNumbers/{PhoneNumber}"]["get"]
    fields = lookups["components"]["schemas"]["LookupBatchRequest"]["properties"]["fields"]
    query = [{"name": p["name"]} for p in fetch["parameters"] if p["in"] == "query"]
    for p in query:
        if p["name"] == "Fields":
            p["enum"] = fields["items"]["enum"]
    for name, params, req in [("verifications_create_params.json", start, required),
                              ("verification_check_create_params.json", check, []),
                              ("phone_number_fetch_params.json", query, []),
                              ("messages_list_params.json", lists[0], []),
                              ("calls_list_params.json", lists[1], [])]:
        with open(os.path.join(out, name), "w") as f:
            json.dump({"form_parameters": params, "required": req}, f, indent=1)


if __name__ == "__main__":
    main()
