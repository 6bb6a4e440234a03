package dev.osc4j.spring;

import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSinks;
import dev.osc4j.spi.ApproverGroups;
import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.HealthSignal;
import dev.osc4j.spi.StateStore;
import dev.osc4j.spi.TopologyProbe;
import dev.osc4j.spi.TrafficSwitch;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.NoneNestedConditions;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * osc4j for a Spring Boot application, every bean replaceable by the application's own:
 *
 * <ul>
 *   <li>a {@link StateStore} ({@link Osc4jStoreAutoConfiguration});
 *   <li>a {@link MigrationOrchestrator} when the application declares a {@link TopologyProbe} and at least one
 *       {@link ExecutionEngine}, its loop started and stopped with the context (SmartLifecycle), publishing to
 *       Micrometer when a {@link MeterRegistry} is a bean, holding and restoring traffic around each swap through the
 *       application's {@link TrafficSwitch} bean when it declares one, its {@link HealthSignal} beans (which
 *       {@code osc4j.policy.auto-revert-signals} names) and its {@link ApproverGroups} bean;
 *   <li>a {@link MigrationClient} otherwise (a process that only reads and directs);
 *   <li>an Actuator health indicator and the dashboard servlet, in {@link Osc4jWebAutoConfiguration}.
 * </ul>
 */
@AutoConfiguration(
        after = Osc4jStoreAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration"
        })
@EnableConfigurationProperties(Osc4jProperties.class)
public class Osc4jAutoConfiguration {

    /** Progress and transitions as Micrometer meters. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    @ConditionalOnBean(MeterRegistry.class)
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean(name = "osc4jMetricsSink")
        ProgressSink osc4jMetricsSink(MeterRegistry registry) {
            return ProgressSinks.micrometer(registry);
        }
    }

    /** The controller, when the application declares what it drives. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean({StateStore.class, TopologyProbe.class, ExecutionEngine.class})
    static class Controller {
        @Bean
        @ConditionalOnMissingBean(MigrationOrchestrator.class)
        MigrationOrchestrator osc4jOrchestrator(
                StateStore store,
                TopologyProbe topology,
                ObjectProvider<ExecutionEngine> engines,
                ObjectProvider<ProgressSink> sinks,
                ObjectProvider<TrafficSwitch> trafficSwitch,
                ObjectProvider<HealthSignal> healthSignals,
                ObjectProvider<ApproverGroups> approverGroups,
                Osc4jProperties properties,
                Environment environment) {
            MigrationOrchestrator.Builder b = MigrationOrchestrator.builder()
                    .store(store)
                    .topology(topology)
                    .pollInterval(properties.getPollInterval())
                    .leaseTtl(properties.getLeaseTtl())
                    .defaultPolicy(properties.getPolicy().toPolicy());
            String name = properties.getControllerName();
            if (name == null) {
                name = environment.getProperty("spring.application.name");
            }
            if (name != null && !name.isBlank()) {
                b.controllerName(name);
            }
            engines.orderedStream().forEach(b::engine);
            sinks.orderedStream().forEach(b::progressSink);
            trafficSwitch.ifAvailable(b::trafficSwitch);
            healthSignals.orderedStream().forEach(b::healthSignal);
            approverGroups.ifAvailable(b::approverGroups);
            return b.build();
        }

        @Bean
        @ConditionalOnProperty(prefix = "osc4j", name = "start-controller", matchIfMissing = true)
        SmartLifecycle osc4jControllerLifecycle(MigrationOrchestrator orchestrator) {
            return new ControllerLifecycle(orchestrator);
        }
    }

    /** A client on the store, for an application that only reads and directs (a controller is a client already). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(StateStore.class)
    @Conditional(NoController.class)
    static class Client {
        @Bean
        @ConditionalOnMissingBean(MigrationClient.class)
        MigrationClient osc4jClient(StateStore store) {
            return MigrationClient.of(store);
        }
    }

    /** True when the application does not declare what a controller drives (a topology probe and an engine). */
    static final class NoController extends NoneNestedConditions {
        NoController() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean({TopologyProbe.class, ExecutionEngine.class})
        static final class Drives {}

        @ConditionalOnBean(MigrationOrchestrator.class)
        static final class OwnController {}
    }

    /** Starts the controller's loop with the context and closes it (releasing its leases) when the context stops. */
    static final class ControllerLifecycle implements SmartLifecycle {
        private final MigrationOrchestrator orchestrator;
        private volatile boolean running;

        ControllerLifecycle(MigrationOrchestrator orchestrator) {
            this.orchestrator = orchestrator;
        }

        @Override
        public void start() {
            orchestrator.start();
            running = true;
        }

        @Override
        public void stop() {
            running = false;
            orchestrator.close();
        }

        @Override
        public boolean isRunning() {
            return running;
        }
    }
}
