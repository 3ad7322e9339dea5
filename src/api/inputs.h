/*
 * inputs.h - request bodies that are not records (sign-in, password change,
 * ...), declared as record descriptors so the same code validates them and
 * the OpenAPI document describes them.
 */
#ifndef HAVEN_INPUTS_H
#define HAVEN_INPUTS_H

#include "model/record.h"

extern const record_desc input_login;
extern const record_desc input_password_change;
extern const record_desc input_password_reset;
extern const record_desc input_totp_confirm;
extern const record_desc input_token;
extern const record_desc input_link_decision;
extern const record_desc input_link_undo;

#endif
