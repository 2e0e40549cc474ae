/*
 * `l4sim campaign`: run one demo scenario per seed, each in its own forked
 * process, with faults injected, and report outcomes and coverage.
 */
#ifndef L4SIM_SIM_CAMPAIGN_H
#define L4SIM_SIM_CAMPAIGN_H

int cmd_campaign(int argc, char **argv);

#endif /* L4SIM_SIM_CAMPAIGN_H */
