using System.Globalization;
using System.Net;
using System.Text;

namespace SalesScorecard.History;

/// <summary>
/// A line chart as inline SVG, drawn here so that the report needs no script and no network: a series or several over
/// time, the y axis from zero, and vertical marks on the time axis (anomalies, pins, drills). Its viewBox
/// scales it to the page's width; the font is large enough to stay readable at 400 px.
/// </summary>
internal sealed class SvgLineChart(string title, Func<double, string> formatValue)
{
    private const double Width = 640, Height = 260, Left = 86, Right = 16, Top = 34, Bottom = 40;
    private static readonly string[] Colours = ["#0969da", "#1a7f37", "#8250df", "#bf3989", "#9a6700", "#0550ae", "#116329", "#6639ba", "#953800", "#57606a"];

    private readonly List<(string Name, IReadOnlyList<(DateTime At, double Value)> Points)> _series = [];
    private readonly List<(DateTime At, string Colour, string Label)> _marks = [];

    public SvgLineChart Series(string name, IEnumerable<(DateTime At, double Value)> points)
    {
        _series.Add((name, points.OrderBy(p => p.At).ToList()));
        return this;
    }

    /// <param name="colour">One of <see cref="AnomalyColour"/>, <see cref="PinColour"/>, <see cref="DrillPassedColour"/>, <see cref="DrillFailedColour"/>.</param>
    public SvgLineChart Mark(DateTime at, string colour, string label)
    {
        _marks.Add((at, colour, label));
        return this;
    }

    public const string AnomalyColour = "#cf222e";
    public const string PinColour = "#bf8700";
    public const string DrillPassedColour = "#1a7f37";
    public const string DrillFailedColour = "#82071e";

    public string Render()
    {
        var all = _series.SelectMany(s => s.Points).ToList();
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<figure class=\"chart\"><svg viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{E(title)}\" xmlns=\"http://www.w3.org/2000/svg\">")
            .Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"20\" class=\"title\">{E(title)}</text>");
        if (all.Count == 0)
        {
            return svg.Append("<text x=\"86\" y=\"130\">No backups</text></svg></figure>").ToString();
        }

        var (from, to) = (all.Min(p => p.At), all.Max(p => p.At));
        var span = Math.Max((to - from).TotalSeconds, 1);
        var top = Math.Max(all.Max(p => p.Value), 1) * 1.1;
        double X(DateTime at) => Left + (Width - Left - Right) * (at - from).TotalSeconds / span;
        double Y(double value) => Height - Bottom - (Height - Top - Bottom) * value / top;
        AppendAxes(svg, from, to, top, Y);
        foreach (var (at, colour, label) in _marks)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"mark\" x1=\"{X(at):0.#}\" x2=\"{X(at):0.#}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"4 3\"><title>{E(label)}</title></line>");
        }

        for (var i = 0; i < _series.Count; i++)
        {
            AppendSeries(svg, _series[i].Name, _series[i].Points, Colours[i % Colours.Length], X, Y);
        }

        svg.Append("</svg>");
        if (_series.Count > 1)
        {
            svg.Append("<figcaption>");
            for (var i = 0; i < _series.Count; i++)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<span class=\"key\" style=\"border-color:{Colours[i % Colours.Length]}\">{E(_series[i].Name)}</span> ");
            }

            svg.Append("</figcaption>");
        }

        return svg.Append("</figure>").ToString();
    }

    private void AppendAxes(StringBuilder svg, DateTime from, DateTime to, double top, Func<double, double> y)
    {
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Height - Bottom}\" y2=\"{Height - Bottom}\" class=\"axis\"/>");
        foreach (var fraction in new[] { 0.0, 0.5, 1.0 })
        {
            var value = top / 1.1 * fraction;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y(value):0.#}\" y2=\"{y(value):0.#}\" class=\"grid\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{y(value) + 5:0.#}\" text-anchor=\"end\">{E(formatValue(value))}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{Height - 12}\">{from:yyyy-MM-dd}</text>")
            .Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right}\" y=\"{Height - 12}\" text-anchor=\"end\">{to:yyyy-MM-dd}</text>");
    }

    private static void AppendSeries(StringBuilder svg, string name, IReadOnlyList<(DateTime At, double Value)> points, string colour, Func<DateTime, double> x, Func<double, double> y)
    {
        var path = string.Join(" ", points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{x(p.At):0.#},{y(p.Value):0.#}")));
        svg.Append(CultureInfo.InvariantCulture, $"<polyline class=\"series\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\" points=\"{path}\"><title>{E(name)}</title></polyline>");
        foreach (var point in points)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{x(point.At):0.#}\" cy=\"{y(point.Value):0.#}\" r=\"3\" fill=\"{colour}\"/>");
        }
    }

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
