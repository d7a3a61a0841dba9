"""A two-minute tour of the engine: ``python -m autograd``."""

from autograd import Value, grad, gradcheck, topological_order


def main() -> None:
    print("1. An expression and its gradients")
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + (a / b).tanh() ** 2
    c.backward()
    print(f"   c = a*b + tanh(a/b)**2 = {c.data:.6f}")
    print(f"   dc/da = {a.grad:.6f}   dc/db = {b.grad:.6f}")
    ok = gradcheck(lambda a, b: a * b + (a / b).tanh() ** 2, [2.0, -3.0])
    print(f"   checked against central differences: {ok}")

    print("\n2. The chain rule at one node: z = x*y, upstream dL/dz = 5")
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y
    z.backward(gradient=5.0)
    print(f"   dL/dx = upstream * local = 5 * y = {x.grad}   dL/dy = 5 * x = {y.grad}")

    print("\n3. Backward in topological order (outputs first)")
    for node in reversed(topological_order(c)):
        name = node.label or node.op
        print(f"   {name:>8}  data={node.data:+.4f}  grad={node.grad:+.4f}")

    print("\n4. Second derivative with create_graph=True")
    t = Value(0.5)
    d1 = grad(t.tanh(), t, create_graph=True)
    d2 = grad(d1, t)
    print(f"   d/dx tanh = {d1.data:.6f}, d2/dx2 tanh = {d2:.6f}  (= -2 tanh(x)(1 - tanh(x)^2))")


if __name__ == "__main__":
    main()
