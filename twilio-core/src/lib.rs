#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(test)]
extern crate std;

#[macro_use]
mod fmt;

pub mod buf;

pub mod address;
pub mod alerting;
pub mod auth;
pub mod form;
pub mod request;
pub mod sid;
pub mod text;
pub mod twiml;

pub mod outcome;
pub mod response;
pub mod webhook;
