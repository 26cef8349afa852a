-- Queues' length and mean waiting time over time (`queues.get_queue_metrics`,
-- the queues page's charts): one row on every change of a queue and one a
-- minute from each server, kept for 30 days.
CREATE TABLE queue_stats (
    id           BIGSERIAL PRIMARY KEY,
    queue        TEXT NOT NULL,
    timestamp    BIGINT NOT NULL,
    length       BIGINT NOT NULL,
    mean_wait_ms BIGINT NOT NULL
);
CREATE INDEX queue_stats_queue ON queue_stats(queue, timestamp);
CREATE INDEX queue_stats_time ON queue_stats(timestamp);
