package lakehouse.maintenance;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.iceberg.flink.maintenance.api.TriggerLockFactory;

/**
 * The lock TableMaintenance takes around each maintenance task of a table, held inside this job.
 *
 * <p>Iceberg's own factories (ZooKeeper, JDBC) coordinate several maintenance jobs on one table. Here
 * there is exactly one: the stack's maintenance job, which the Pulumi resource that runs it keeps
 * unique by name (it stops every live job of that name before it submits one). The streaming writers
 * never take this lock; Iceberg's optimistic commits keep them and the maintenance tasks apart (a
 * rewrite that loses a race fails its commit and runs again at its next trigger). So the lock only has
 * to order the tasks of one job: the trigger manager and the lock remover of a table run at
 * parallelism 1 in the same slot (one JVM), and a map in that JVM is enough. After a failover the
 * trigger manager releases the locks it finds held (its recovery path), as with the other factories.
 */
public final class JobLocalLockFactory implements TriggerLockFactory {
    private static final long serialVersionUID = 1L;
    private static final ConcurrentHashMap<String, AtomicBoolean> LOCKS = new ConcurrentHashMap<>();

    private final String lockId;

    public JobLocalLockFactory(String lockId) {
        this.lockId = lockId;
    }

    @Override
    public void open() {}

    @Override
    public Lock createLock() {
        return new LocalLock(lockId + "/task");
    }

    @Override
    public Lock createRecoveryLock() {
        return new LocalLock(lockId + "/recovery");
    }

    @Override
    public void close() {}

    private static final class LocalLock implements Lock {
        private final AtomicBoolean held;

        LocalLock(String key) {
            this.held = LOCKS.computeIfAbsent(key, k -> new AtomicBoolean(false));
        }

        @Override
        public boolean tryLock() {
            return held.compareAndSet(false, true);
        }

        @Override
        public boolean isHeld() {
            return held.get();
        }

        @Override
        public void unlock() {
            held.set(false);
        }
    }
}
