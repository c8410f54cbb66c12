// libmosquitto, the Eclipse Mosquitto project's MQTT client library, for Swift.
// Its API is plain functions and enums that Swift imports as they are; the header
// is included here so that the module has one place to grow macro wrappers in.
#ifndef MEXD_CMOSQUITTO_SHIM_H
#define MEXD_CMOSQUITTO_SHIM_H

#include <mosquitto.h>

#endif
