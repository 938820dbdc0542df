/* chain-cert.c — being written */
