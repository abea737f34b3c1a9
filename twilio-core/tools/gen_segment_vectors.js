#!/usr/bin/env node
// Generates twilio-core/tests/data/segment_vectors.json: random GSM-7 and UCS-2 messages near
// segment boundaries, with what Twilio's own segment calculator (npm sms-segments-calculator,
// MIT, TwilioDevEd) says about them. An independent oracle for tests/segment_vectors.rs.
//
//   npm install --prefix /tmp/segoracle sms-segments-calculator@1.3.0
//   NODE_PATH=/tmp/segoracle/node_modules node gen_segment_vectors.js > ../tests/data/segment_vectors.json
'use strict';
const { SegmentedMessage } = require('sms-segments-calculator');
const calculatorVersion = require('sms-segments-calculator/package.json').version;

// Deterministic PRNG (mulberry32) so the data is reproducible.
let seed = 0x5e65;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (pool) => pool[Math.floor(random() * pool.length)];

const GSM_BASIC = [...'ABCxyz0123456789 .,:;!?-+=/()*#%&@$_"\'<>\n\rΔΩ£¥§¿¡ÄÖÜäöüñéèàøåÆßÇΣΦ'];
const GSM_EXTENSION = [...'€[]{}~^|\\\f'];
const UCS2_BMP = [...'çáíóú°“”‘’–—…☎中ж€'];
const ASTRAL = ['😀', '🔥', '𝄞', '😜'];
const CLUSTERS = ['e\u0301', 'a\u0308\u0301', '🇮🇹', '🇫🇷', '👍🏽', '👩‍💻', '🏳️‍🌈', '1\uFE0F\u20E3', '\r\n'];

function message(target, pools) {
  let body = '';
  while ([...body].length < target) {
    body += pick(pick(pools));
  }
  return body;
}

function describe(name, body, smart) {
  const m = new SegmentedMessage(body, 'auto', smart);
  const segments = m.segments.map((s) => s.filter((c) => c.raw !== undefined));
  const ends = [];
  let bytes = 0;
  for (const s of segments) {
    bytes += s.reduce((n, c) => n + Buffer.byteLength(c.raw, 'utf8'), 0);
    ends.push(bytes);
  }
  return {
    name,
    body,
    smart_encoding: smart,
    encoding: m.encodingName,
    segments: m.segmentsCount,
    message_bits: m.messageSize,
    total_bits: m.totalSize,
    // Characters per segment as the calculator counts them (an extension char or a grapheme is 1).
    per_segment_characters: segments.map((s) => s.length),
    // Byte offset in the (smart-encoded, if smart) UTF-8 body where each segment ends.
    segment_utf8_ends: ends,
  };
}

const cases = [];
const gsm = [GSM_BASIC, GSM_BASIC, GSM_BASIC, GSM_EXTENSION];
for (const target of [150, 155, 158, 160, 161, 165, 300, 305, 306, 307, 310, 455, 460]) {
  for (let i = 0; i < 6; i++) cases.push(describe(`gsm ${target} #${i}`, message(target, gsm), false));
}
const ucs2 = [GSM_BASIC, GSM_BASIC, UCS2_BMP, ASTRAL, GSM_EXTENSION];
const clusters = [GSM_BASIC, GSM_BASIC, UCS2_BMP, CLUSTERS, ASTRAL];
for (const target of [60, 66, 67, 68, 69, 70, 71, 130, 134, 135, 200]) {
  for (let i = 0; i < 5; i++) {
    cases.push(describe(`ucs2 ${target} #${i}`, message(target, ucs2), false));
    cases.push(describe(`clusters ${target} #${i}`, message(target, clusters), false));
  }
}
const smart = [GSM_BASIC, GSM_BASIC, [...'“”‘’–—…\u00a0«»\t½'], UCS2_BMP];
for (const target of [40, 70, 150, 160, 300]) {
  for (let i = 0; i < 4; i++) cases.push(describe(`smart ${target} #${i}`, message(target, smart), true));
}
console.log(JSON.stringify({
  generator: `twilio-core/tools/gen_segment_vectors.js with sms-segments-calculator ${calculatorVersion}`,
  cases,
}, null, 1));
