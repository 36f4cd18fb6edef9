using System.Management.Automation;

namespace SalesScorecard.PowerShell;

/// <summary>
/// -Identity takes an id or an email. A piped record gives its Identity, Id or UserId property, else its Email
/// (a CSV of emails); one without an Email either is refused naming only its property names: PowerShell would
/// otherwise turn it into its text, "@{Name=...; Password=...}", and UserNotFound would quote that back.
/// </summary>
public sealed class UserIdentityAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        if (inputData is not PSObject { BaseObject: PSCustomObject } record)
        {
            return inputData;
        }

        // As by property name: Identity, Id or UserId first; PowerShell may try this by-value binding before that one.
        return new[] { "Identity", "Id", "UserId", "Email" }.Select(name => record.Properties[name]?.Value?.ToString()).FirstOrDefault(v => !string.IsNullOrEmpty(v))
            ?? throw new ArgumentTransformationMetadataException(
                "-Identity takes an id or an email; a piped record gives it from an Identity, Id, UserId or Email property, and this one has only: " +
                $"{string.Join(", ", record.Properties.Select(p => p.Name))}.");
    }
}
