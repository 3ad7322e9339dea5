/*
 * labels.js - words for people beside the words the API carries: every
 * choice list of the First Responder Protocol (src/protocol/model.c) with
 * its label, in the order forms offer them. label(list, value) falls back to
 * the value as written, so a value added on the server still shows.
 */

const L = (pairs) => pairs.map(([value, label]) => ({ value, label }));

export const LISTS = {
  referral_state: L([
    ['open', 'Open: waiting for the lead to acknowledge'],
    ['acknowledged', 'Acknowledged: lead on the way'],
    ['on_scene', 'On scene'],
    ['follow_up', 'Follow-up'],
    ['closed', 'Closed'],
  ]),
  gender: L([
    ['female', 'Female'],
    ['male', 'Male'],
    ['transgender_female', 'Transgender female'],
    ['transgender_male', 'Transgender male'],
    ['nonbinary', 'Nonbinary'],
    ['unknown', 'Unknown'],
  ]),
  identified_how: L([
    ['patrol_contact', 'Patrol contact'],
    ['operation', 'Operation or sting'],
    ['tip_or_call', 'Tip or call'],
    ['safe_youth_zone', 'Came to a Safe Youth Zone'],
    ['missing_recovery', 'Recovered as a missing youth'],
    ['other', 'Other'],
  ]),
  involvement: L([
    ['none', 'None known'],
    ['open_case', 'Open case'],
    ['prior_history', 'Prior history, no open case'],
    ['unknown', 'Unknown'],
  ]),
  mdt_kind: L([
    ['initial', 'Initial MDT'],
    ['follow_up', 'Follow-up MDT'],
  ]),
  mdt_decision: L([
    ['returned_home', 'Returned home'],
    ['relative', 'With a relative'],
    ['soda_pad_bed', 'SODA/PAD bed'],
    ['foster_or_group', 'Foster or group home'],
    ['hospital', 'Hospital'],
    ['juvenile_hall', 'Juvenile hall'],
    ['left_before_decision', 'Left before a decision'],
    ['other', 'Other'],
  ]),
  detention_reason: L([
    ['warrant', 'Warrant'],
    ['serious_new_offense', 'Serious new offense'],
    ['probation_violation', 'Probation violation'],
    ['danger_to_self_or_others', 'Danger to self or others'],
    ['no_alternative', 'No safe alternative'],
    ['other', 'Other'],
  ]),
  status_72h: L([
    ['home_with_family', 'Home with family'],
    ['with_relative', 'With a relative'],
    ['soda_pad_bed', 'SODA/PAD bed'],
    ['foster_or_group_home', 'Foster or group home'],
    ['hospital', 'Hospital'],
    ['detained', 'Detained'],
    ['runaway_awol', 'Runaway / AWOL'],
    ['unknown', 'Unknown'],
  ]),
  whereabouts: L([
    ['home', 'Home'],
    ['placement', 'In placement'],
    ['hospital', 'Hospital'],
    ['detained', 'Detained'],
    ['runaway_awol', 'Runaway / AWOL'],
    ['unknown', 'Unknown'],
  ]),
  status_kind: L([
    ['status_72h', '72-hour status'],
    ['whereabouts', 'Whereabouts'],
  ]),
  mdt_member: L([
    ['youth', 'Youth'],
    ['lead', 'Lead responder'],
    ['advocate', 'Advocate'],
    ['officer', 'Officer'],
    ['caregiver', 'Parent or caregiver'],
    ['clinician', 'Clinician'],
    ['attorney', 'Attorney'],
    ['other', 'Other'],
  ]),
  close_reason: L([
    ['services_completed', 'Services completed'],
    ['youth_declined', 'Youth declined services'],
    ['transferred', 'Transferred'],
    ['youth_awol', 'Youth AWOL'],
    ['duplicate', 'Duplicate referral'],
    ['not_csec', 'Not a CSEC case'],
    ['other', 'Other'],
  ]),
  consent_kind: L([
    ['medical_exam', 'Medical exam'],
    ['mental_health', 'Mental-health services'],
    ['info_sharing', 'Information sharing'],
  ]),
  consent_giver: L([
    ['youth', 'Youth'],
    ['parent_or_guardian', 'Parent or guardian'],
    ['court', 'Court'],
    ['social_worker', 'Social worker'],
  ]),
  appointment_kind: L([
    ['medical_exam', 'Medical Hub exam'],
    ['mental_health_screening', 'Mental-health screening'],
    ['follow_up_care', 'Follow-up care'],
  ]),
  appointment_state: L([
    ['scheduled', 'Scheduled'],
    ['attended', 'Attended'],
    ['no_show', 'No-show'],
    ['cancelled', 'Cancelled'],
  ]),
  placement_kind: L([
    ['home', 'Home'],
    ['relative', 'Relative'],
    ['soda_pad', 'SODA/PAD bed'],
    ['foster_home', 'Foster home'],
    ['group_home', 'Group home'],
    ['hospital', 'Hospital'],
    ['juvenile_hall', 'Juvenile hall'],
    ['other', 'Other'],
  ]),
  placement_end_reason: L([
    ['moved_on', 'Moved on'],
    ['returned_home', 'Returned home'],
    ['awol', 'AWOL'],
    ['detained', 'Detained'],
    ['other', 'Other'],
  ]),
  contact_kind: L([
    ['in_person', 'In person'],
    ['phone', 'Phone call'],
    ['text', 'Text message'],
    ['court', 'Court'],
    ['mdt', 'MDT'],
    ['basic_need', 'Basic need met'],
  ]),
  need: L([
    ['food', 'Food'],
    ['clothing', 'Clothing'],
    ['shower', 'Shower'],
    ['sleep', 'Sleep'],
    ['phone', 'Phone'],
    ['hygiene', 'Hygiene'],
    ['transport', 'Transport'],
  ]),
  clock_state: L([
    ['running', 'Running'],
    ['met', 'Met'],
    ['missed', 'Missed'],
    ['stopped', 'Stopped'],
  ]),
  clock_kind: L([
    ['lead_response', 'Lead at the staging area'],
    ['advocate_response', 'Advocate at the staging area'],
    ['medical_hub', 'Medical Hub exam'],
    ['status_72h', '72-hour status'],
    ['bed_stay', 'SODA/PAD stay'],
    ['advocacy', 'Advocacy'],
    ['follow_up_mdt', 'Follow-up MDT'],
  ]),
  case_role: L([
    ['hotline', 'Hotline worker'],
    ['hotline_worker', 'Hotline worker'],
    ['lead', 'Lead responder'],
    ['advocate', 'Advocate'],
    ['officer', 'Officer'],
    ['clinician', 'Clinician'],
    ['site_staff', 'Safe Youth Zone staff'],
    ['member', 'Other team member'],
    ['supervisor', 'Supervisor'],
    ['opened_by', 'Opened the referral'],
    ['opener', 'Opened the referral'],
  ]),
  event: L([
    ['acknowledge', 'Acknowledge'],
    ['en_route:lead', 'En route (lead)'],
    ['arrive:lead', 'Arrived (lead)'],
    ['en_route:advocate', 'En route (advocate)'],
    ['arrive:advocate', 'Arrived (advocate)'],
    ['reroute', 'Reroute to another agency'],
    ['close', 'Close the referral'],
  ]),
  routing_rule: L([
    ['open_probation_case_to_ctu', 'Rule 1: an open Probation case goes to the Probation CTU'],
    ['default_to_mart', 'Rule 2: otherwise DCFS MART leads'],
    ['override', 'Chosen by the hotline (rules overridden)'],
  ]),
  priority: L([
    ['normal', 'Normal'],
    ['high', 'High'],
    ['urgent', 'Urgent'],
  ]),
  /* On-call alerting: alerts, their deliveries, escalation targets. */
  alert_kind: L([
    ['*', 'Any other alert'],
    ['referral.assigned', 'New referral assigned'],
    ['clock.warning', 'Clock about to run out'],
    ['clock.missed', 'Clock missed'],
    ['delivery.failed', 'A message could not be delivered'],
    ['system.stalled', 'haven stopped sending'],
  ]),
  alert_state: L([
    ['triggered', 'Waiting for someone to acknowledge'],
    ['acknowledged', 'Acknowledged'],
    ['resolved', 'Resolved'],
  ]),
  channel: L([
    ['email', 'Email'],
    ['sms', 'Text message (SMS)'],
    ['webhook', 'Webhook'],
  ]),
  delivery_state: L([
    ['pending', 'Waiting to send'],
    ['sending', 'Sending'],
    ['sent', 'Sent'],
    ['dead', 'Failed: gave up'],
    ['cancelled', 'Cancelled (acknowledged)'],
  ]),
  target_type: L([
    ['owner', 'The assigned responder'],
    ['oncall', 'Whoever is on call'],
    ['backup', 'The backup on call'],
    ['role', 'Everyone with a role'],
    ['user', 'One person'],
  ]),
  escalation_role: L([
    ['supervisor', 'Supervisors'],
    ['responder', 'Responders'],
    ['hotline_worker', 'Hotline workers'],
    ['advocate', 'Advocates'],
  ]),
  oncall_tier: L([
    ['primary', 'Primary'],
    ['backup', 'Backup'],
  ]),
  shift_length: L([
    ['8', '8 hours'],
    ['12', '12 hours'],
    ['24', 'Daily (24 hours)'],
    ['168', 'Weekly (168 hours)'],
    ['custom', 'Custom number of hours'],
  ]),
  ack_via: L([
    ['web', 'in haven'],
    ['link', 'from the link in a message'],
    ['sms', 'by text reply'],
    ['api', 'in haven'],
  ]),
  /* Timeline kinds: "referral.opened" and the like. */
  timeline: L([
    ['referral.opened', 'Referral opened'],
    ['referral.assigned', 'Lead responder assigned'],
    ['referral.unassigned', 'Nobody on call: supervisors told'],
    ['referral.rerouted', 'Rerouted'],
    ['referral.withdrawn', 'Withdrawn from the previous lead'],
    ['referral.acknowledged', 'Lead acknowledged'],
    ['referral.edited', 'Intake details changed'],
    ['referral.closed', 'Referral closed'],
    ['lead.en_route', 'Lead en route'],
    ['lead.arrived', 'Lead arrived'],
    ['advocate.assigned', 'Advocate assigned'],
    ['advocate.en_route', 'Advocate en route'],
    ['advocate.arrived', 'Advocate arrived'],
    ['mdt.initial', 'Initial MDT'],
    ['mdt.follow_up', 'Follow-up MDT'],
    ['consent.recorded', 'Consent recorded'],
    ['appointment.scheduled', 'Appointment scheduled'],
    ['appointment.attended', 'Appointment attended'],
    ['appointment.no_show', 'Appointment: no-show'],
    ['appointment.cancelled', 'Appointment cancelled'],
    ['appointment.rescheduled', 'Appointment rescheduled'],
    ['appointment.changed', 'Appointment changed'],
    ['placement.started', 'Placement started'],
    ['placement.extended', 'Stay extended'],
    ['placement.ended', 'Placement ended'],
    ['advocacy.contact', 'Advocacy contact'],
    ['advocacy.closed', 'Advocacy closed'],
    ['status.72h', '72-hour status recorded'],
    ['status.whereabouts', 'Whereabouts recorded'],
    ['detention.recorded', 'Detention recorded'],
    ['team.added', 'Added to the case team'],
    ['team.removed', 'Taken off the case team'],
    ['clock.warning', 'Clock warning'],
    ['clock.missed', 'Clock missed'],
    ['clock.escalation', 'Escalated to supervisors'],
    ['clock.met', 'Clock met'],
  ]),
};

const maps = new Map(Object.entries(LISTS).map(([k, list]) => [k, new Map(list.map((x) => [x.value, x.label]))]));

/* The label of VALUE in LIST; a readable version of VALUE when unknown. */
export function label(list, value) {
  if (value === null || value === undefined || value === '') return '';
  const m = maps.get(list);
  const found = m && m.get(value);
  if (found) return found;
  const s = String(value).replace(/[._:]/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/* [{value, label}] of LIST, for fillSelect and choices. */
export function options(list) {
  return LISTS[list] || [];
}

/* The label of VALUE in whichever list knows it (timeline details carry bare values). */
export function anyLabel(value) {
  for (const [name, m] of maps) {
    if (name !== 'timeline' && name !== 'event' && m.has(value)) return m.get(value);
  }
  return String(value);
}

/* A short state name for badges ("Open", "On scene"). */
export function shortState(state) {
  return label('referral_state', state).replace(/:.*$/, '');
}
