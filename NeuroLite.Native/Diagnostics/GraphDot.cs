using System.Globalization;
using System.Text;
using NeuroLite.Kernels;

namespace NeuroLite;

public readonly partial struct Tensor
{
    /// <summary>
    /// The recorded graph that produced this tensor, as Graphviz DOT (render with <c>dot -Tsvg</c>), drawn as micrograd's
    /// <c>draw_dot</c> draws it: a box per value (label, shape, the value of a one-element tensor, and its gradient
    /// after <see cref="Backward()"/>, as <see cref="Grad"/> reads it: 0 where no Backward() reached; <c>none</c> for
    /// an input, which receives none), and a small node per op (its kind, such as <c>*</c>, <c>tanh</c>,
    /// <c>matmul</c>) with edges from its inputs and to its result. Only what this tensor depends on is drawn.
    /// Reading the graph changes nothing on the tape.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor is default or its tape was reset.</exception>
    public string ToDot()
    {
        Tape? t = Check();
        var sb = new StringBuilder();
        sb.Append("digraph neurolite {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n");
        if (t is null)
        {
            ParameterStorage p = Param;
            string grad = p.Value.Length == 1 ? (p.GradIsZero ? "0" : GraphDot.Number(p.Grad[0])) : "";
            GraphDot.ValueNode(sb, "p", p.Label, p.Shape, p.Value, grad, parameter: true);
            return sb.Append("}\n").ToString();
        }
        GraphDot.Write(sb, t, Index);
        return sb.Append("}\n").ToString();
    }
}

/// <summary>Writes a tape's records as DOT (see <see cref="Tensor.ToDot"/>).</summary>
internal static class GraphDot
{
    public static void Write(StringBuilder sb, Tape t, int root)
    {
        // What the root depends on: a backward walk over the inputs (records are in topological order).
        var reached = new bool[root + 1];
        reached[root] = true;
        for (int i = root; i >= 0; i--)
        {
            if (!reached[i]) continue;
            ref Node n = ref t.NodeRef(i);
            if (n.Op == OpKind.Leaf) continue;
            if (n.A >= 0) reached[n.A] = true;
            if (n.B >= 0) reached[n.B] = true;
            if (n.C >= 0) reached[n.C] = true;
        }
        for (int i = 0; i <= root; i++)
        {
            if (!reached[i]) continue;
            ref Node n = ref t.NodeRef(i);
            ReadOnlySpan<double> value = t.Value(i);
            ValueNode(sb, "n" + Invariant(i), n.Label, t.ShapeOf(i), value, GradText(t, ref n, i), n.Ext is not null);
            if (n.Op == OpKind.Leaf) continue;
            string op = "op" + Invariant(i);
            sb.Append("  ").Append(op).Append(" [shape=ellipse, label=\"").Append(Escape(OpText(ref n), record: false)).Append("\"];\n");
            sb.Append("  ").Append(op).Append(" -> n").Append(Invariant(i)).Append(";\n");
            if (n.A >= 0) Edge(sb, n.A, op);
            if (n.B >= 0) Edge(sb, n.B, op);
            if (n.C >= 0) Edge(sb, n.C, op);
        }
    }

    private static void Edge(StringBuilder sb, int from, string op) =>
        sb.Append("  n").Append(Invariant(from)).Append(" -> ").Append(op).Append(";\n");

    /// <summary>The gradient text without side effects: a tape gradient not written by the latest Backward() is logically zero.</summary>
    private static string GradText(Tape t, ref Node n, int i)
    {
        if (n.Length != 1) return "";
        if (n.Ext is null && !n.NeedsGrad) return "none";
        // Written by the latest Backward(), or a leaf's gradient accumulated by earlier ones (reading it then writes nothing).
        return t.GradIsZero(i) ? "0" : Number(t.Grad(i)[0]);
    }

    public static void ValueNode(StringBuilder sb, string id, string? label, ReadOnlySpan<int> shape, ReadOnlySpan<double> value, string grad, bool parameter)
    {
        sb.Append("  ").Append(id).Append(" [shape=record");
        if (parameter) sb.Append(", style=filled, fillcolor=\"#e8f0ff\"");
        sb.Append(", label=\"{ ");
        if (label is not null) sb.Append(Escape(label, record: true)).Append(" | ");
        sb.Append(Escape(Shapes.Format(shape), record: true));
        if (value.Length == 1)
        {
            sb.Append(" | data ").Append(Escape(Number(value[0]), record: true));
            if (grad.Length > 0) sb.Append(" | grad ").Append(Escape(grad, record: true));
        }
        sb.Append(" }\"];\n");
    }

    private static string OpText(ref Node n) => n.Op switch
    {
        OpKind.Add => "+",
        OpKind.Sub => "-",
        OpKind.Mul => "*",
        OpKind.Div => "/",
        OpKind.AddScalar => "+ " + Number(n.Constant),
        OpKind.MulScalar => "* " + Number(n.Constant),
        OpKind.DivScalar => "/ " + Number(n.Constant),
        OpKind.RSubScalar => Number(n.Constant) + " -",
        OpKind.RDivScalar => Number(n.Constant) + " /",
        OpKind.Neg => "neg",
        OpKind.MatMul => "matmul",
        OpKind.Linear => "linear" + (n.Activation switch { Activation.Tanh => " tanh", Activation.Relu => " relu", _ => "" }),
        OpKind.Tanh => "tanh",
        OpKind.Relu => "relu",
        OpKind.Exp => "exp",
        OpKind.Log => "log",
        OpKind.Pow => "pow " + Number(n.Constant),
        OpKind.SumAll => "sum",
        OpKind.SumAxis => "sum axis " + Invariant(n.Axis),
        OpKind.MeanAll => "mean",
        OpKind.MeanAxis => "mean axis " + Invariant(n.Axis),
        OpKind.Reshape => "reshape",
        OpKind.Transpose => "transpose",
        OpKind.Mse => "mse",
        OpKind.SoftmaxCe => "softmax cross-entropy",
        _ => n.Op.ToString(),
    };

    public static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Escapes for a quoted DOT string; in a record label also the characters that structure the record.</summary>
    private static string Escape(string text, bool record)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c == '\n')
            {
                sb.Append("\\n");
                continue;
            }
            if (c is '"' or '\\' || (record && c is '{' or '}' or '|' or '<' or '>')) sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }
}
