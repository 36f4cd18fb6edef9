using System.Management.Automation;

namespace SalesScorecard.PowerShell;

/// <summary>
/// Lets -Active take what a CSV holds: true/false, yes/no, 1/0 (any case); an empty cell means "leave as it is".
/// </summary>
public sealed class FlexibleBooleanAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value switch
        {
            string text when string.IsNullOrWhiteSpace(text) => null,
            string text => text.Trim().ToLowerInvariant() switch
            {
                "true" or "yes" or "1" or "$true" => true,
                "false" or "no" or "0" or "$false" => false,
                _ => throw new ArgumentTransformationMetadataException($"'{text}' is not true or false (also accepted: yes/no, 1/0)."),
            },
            _ => value,
        };
    }
}
