/*
 * Marks the functions libl4sim exports to programs; the library is built
 * with hidden visibility so that nothing else leaks out of it.
 */
#ifndef L4SRV_EXPORT_H
#define L4SRV_EXPORT_H

#define L4SRV_API __attribute__((visibility("default")))

#endif /* L4SRV_EXPORT_H */
