/* chain-crl.c — being written */
