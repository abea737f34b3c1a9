//! Verify v2 (`/v2/Services/{ServiceSid}/Verifications`, `/VerificationCheck`) and Lookup v2
//! (`/v2/PhoneNumbers/{PhoneNumber}`), served beside the 2010 API.

use std::time::SystemTime;

use serde_json::json;

use super::error::ApiError;
use super::{Reply, list_query, query_value};
use crate::state::SimState;
use crate::verify::{CheckTarget, LineType, Refusal, VerificationRecord};

const CHANNELS: [&str; 3] = ["sms", "call", "whatsapp"];

fn form_value<'f>(form: &'f [(String, String)], name: &str) -> Option<&'f str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn refused(r: Refusal) -> ApiError {
    ApiError::new(r.status, r.code, r.message)
}

fn invalid(name: &str, value: &str) -> ApiError {
    ApiError::bad_request(60200, format!("Invalid parameter `{name}`: {value}"))
}

fn check_service(path: &str, service_sid: &str) -> Result<(), ApiError> {
    if crate::ids::is_sid(service_sid, "VA") {
        Ok(())
    } else {
        Err(ApiError::not_found(path))
    }
}

fn iso8601(t: SystemTime) -> String {
    crate::time::iso8601(t)
}

fn resource(v: &VerificationRecord, check: bool) -> Vec<u8> {
    let mut body = json!({
        "sid": v.sid,
        "service_sid": v.service_sid,
        "account_sid": serde_json::Value::Null,
        "to": v.to,
        "channel": v.channel,
        "status": v.status,
        "valid": v.status == "approved",
        "amount": null,
        "payee": null,
        "date_created": iso8601(v.created_at),
        "date_updated": iso8601(SystemTime::now()),
    });
    if !check {
        body["lookup"] = json!({ "carrier": null });
        body["send_code_attempts"] = json!([{ "channel": v.channel }]);
        body["url"] = json!(format!(
            "https://verify.twilio.com/v2/Services/{}/Verifications/{}",
            v.service_sid, v.sid
        ));
    }
    serde_json::to_vec(&body).unwrap_or_default()
}

fn with_account(state: &SimState, mut body: Vec<u8>) -> Vec<u8> {
    if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&body) {
        value["account_sid"] = json!(state.account_sid);
        body = serde_json::to_vec(&value).unwrap_or(body);
    }
    body
}

pub(super) fn create(
    state: &SimState,
    path: &str,
    service_sid: &str,
    form: &[(String, String)],
) -> Result<Reply, ApiError> {
    check_service(path, service_sid)?;
    let to = form_value(form, "To").ok_or_else(|| invalid("To", ""))?;
    if twilio_core::address::PhoneNumber::parse(to).is_err() {
        return Err(invalid("To", to));
    }
    let channel = form_value(form, "Channel").ok_or_else(|| invalid("Channel", ""))?;
    if !CHANNELS.contains(&channel) {
        return Err(invalid("Channel", channel));
    }
    let record = state
        .verifications
        .start(service_sid, to, channel, SystemTime::now())
        .map_err(refused)?;
    Ok(Reply::json(
        201,
        with_account(state, resource(&record, false)),
    ))
}

pub(super) fn check(
    state: &SimState,
    path: &str,
    service_sid: &str,
    form: &[(String, String)],
) -> Result<Reply, ApiError> {
    check_service(path, service_sid)?;
    let code = form_value(form, "Code").ok_or_else(|| invalid("Code", ""))?;
    let target = match (form_value(form, "To"), form_value(form, "VerificationSid")) {
        (Some(to), _) => CheckTarget::To(to),
        (None, Some(sid)) => CheckTarget::Sid(sid),
        (None, None) => {
            return Err(ApiError::bad_request(
                60200,
                "Either a 'To' number or 'VerificationSid' must be specified",
            ));
        }
    };
    let record = state
        .verifications
        .check(service_sid, &target, code, SystemTime::now())
        .map_err(refused)?;
    Ok(Reply::json(
        200,
        with_account(state, resource(&record, true)),
    ))
}

pub(super) fn lookup(number: &str, query: Option<&str>) -> Reply {
    let number = super::percent_decode(number);
    let query = list_query(query);
    let fields = query_value(&query, "Fields").unwrap_or_default();
    let valid = twilio_core::address::PhoneNumber::parse(&number).is_ok();
    let line_type =
        (valid && fields.split(',').any(|f| f == "line_type_intelligence")).then(|| {
            json!({
                "carrier_name": "Twilio Simulator",
                "error_code": null,
                "mobile_country_code": "310",
                "mobile_network_code": "999",
                "type": LineType::of(&number).as_str(),
            })
        });
    let country = if number.starts_with("+1") { "US" } else { "ZZ" };
    let body = json!({
        "calling_country_code": valid.then(|| number.get(1..2).unwrap_or_default().to_owned()),
        "country_code": valid.then_some(country),
        "phone_number": number,
        "national_format": valid.then(|| number.clone()),
        "valid": valid,
        "validation_errors": if valid { json!([]) } else { json!(["NOT_A_NUMBER"]) },
        "caller_name": null,
        "sim_swap": null,
        "call_forwarding": null,
        "line_status": null,
        "line_type_intelligence": line_type,
        "identity_match": null,
        "reassigned_number": null,
        "sms_pumping_risk": null,
        "phone_number_quality_score": null,
        "pre_fill": null,
        "url": format!("https://lookups.twilio.com/v2/PhoneNumbers/{number}"),
    });
    Reply::json(200, serde_json::to_vec(&body).unwrap_or_default())
}
