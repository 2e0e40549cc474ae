/*
 * The echod demo server's protocol, shared by the image and by
 * `l4sim demo restart`.
 */
#ifndef L4SIM_IMAGES_ECHOD_H
#define L4SIM_IMAGES_ECHOD_H

#define ECHOD_ECHO  0x4501 /* MR1 n -> MR1 n + 1, MR2 the server's incarnation */
#define ECHOD_CRASH 0x4502 /* never answered: the server dies */
#define ECHOD_HANG  0x4503 /* never answered: the server stops answering anyone */

#endif /* L4SIM_IMAGES_ECHOD_H */
