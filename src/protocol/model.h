/*
 * model.h - the protocol's records, described once (see model/record.h):
 * youth, referral, MDT meeting, consent, appointment, placement, advocacy
 * contact, detention, arrest, on-call entry, and the inputs of the
 * protocol's actions. The choice lists are the words the API and the
 * database carry; labels for people live beside them.
 */
#ifndef HAVEN_PROTOCOL_MODEL_H
#define HAVEN_PROTOCOL_MODEL_H

#include "model/record.h"

extern const record_desc youth_desc;
extern const record_desc referral_desc;
extern const record_desc mdt_desc;
extern const record_desc consent_desc;
extern const record_desc appointment_desc;
extern const record_desc placement_desc;
extern const record_desc contact_desc;
extern const record_desc detention_desc;
extern const record_desc arrest_desc;
extern const record_desc oncall_desc;

/* Inputs of actions that are not records. */
extern const record_desc event_input_desc;
extern const record_desc status_input_desc;
extern const record_desc extend_input_desc;
extern const record_desc end_input_desc;
extern const record_desc capacity_input_desc;
extern const record_desc close_advocacy_input_desc;
extern const record_desc team_input_desc;

extern const char *const referral_states[];
/* The case roles a person can be given by hand (POST .../team). */
extern const char *const team_roles[];
extern const char *const mdt_decisions[];
extern const char *const detention_reasons[];
extern const char *const status_72h_values[];
extern const char *const whereabouts_values[];
extern const char *const mdt_member_values[];
extern const char *const close_reasons[];

/* 1 if S is one of LIST. */
int model_in(const char *const *list, const char *s);

#endif
