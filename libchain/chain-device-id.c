/* chain-device-id.c — being written */
