package dev.osc4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.spi.ExecutionEngine;
import dev.osc4j.spi.StateStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("The forwarding engine and store forward every method of their interface, default methods included")
class ForwardingTest {

    static Stream<Arguments> methods() {
        List<Arguments> out = new ArrayList<>();
        add(out, ExecutionEngine.class, ForwardingExecutionEngine.class, d -> new ForwardingExecutionEngine(d) {});
        add(out, StateStore.class, ForwardingStateStore.class, d -> new ForwardingStateStore(d) {});
        return out.stream();
    }

    private static <T> void add(List<Arguments> out, Class<T> spi, Class<? extends T> forwarding, Function<T, T> wrap) {
        for (Method m : spi.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers())) {
                out.add(Arguments.of(spi.getSimpleName() + "." + m.getName(), spi, forwarding, wrap, m));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    @DisplayName("the forwarding class declares the method itself (a new SPI method must be added to it)")
    <T> void declaresEveryMethod(
            String name, Class<T> spi, Class<? extends T> forwarding, Function<T, T> wrap, Method m) {
        Method declared;
        try {
            declared = forwarding.getDeclaredMethod(m.getName(), m.getParameterTypes());
        } catch (NoSuchMethodException e) {
            throw new AssertionError(forwarding.getSimpleName() + " does not forward " + name + ": add it", e);
        }
        assertThat(Modifier.isAbstract(declared.getModifiers())).as(name).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    @DisplayName("calling the method on the forwarding class calls the same method on the delegate")
    <T> void forwardsEveryMethod(
            String name, Class<T> spi, Class<? extends T> forwarding, Function<T, T> wrap, Method m)
            throws ReflectiveOperationException {
        List<Method> calls = new ArrayList<>();
        InvocationHandler recorder = (proxy, method, args) -> {
            calls.add(method);
            return sampleOf(method.getReturnType());
        };
        T delegate = spi.cast(Proxy.newProxyInstance(spi.getClassLoader(), new Class<?>[] {spi}, recorder));
        T wrapper = wrap.apply(delegate);
        Object[] args = Arrays.stream(m.getParameterTypes())
                .map(ForwardingTest::sampleOf)
                .toArray();

        m.invoke(wrapper, args);

        assertThat(calls).as(name).containsExactly(m);
    }

    /** A value of {@code type} for arguments and the delegate's answers; null where any reference does. */
    private static @Nullable Object sampleOf(Class<?> type) {
        if (type == String.class) {
            return "sample";
        } else if (type == long.class) {
            return 1L;
        } else if (type == int.class) {
            return 1;
        } else if (type == double.class) {
            return 0.5;
        } else if (type == boolean.class) {
            return true;
        } else if (type == Optional.class) {
            return Optional.empty();
        } else if (type == List.class) {
            return List.of();
        } else if (type == AutoCloseable.class) {
            return (AutoCloseable) () -> {};
        }
        return null;
    }
}
