use cerulean_directory::{AuditQuery, AuditResult, Directory};

use crate::cli::AuditCommand;
use crate::output::print_table;

pub async fn run(directory: &Directory, json: bool, command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::List {
        tenant,
        action,
        limit,
    } = command;
    let tenant_id = match tenant {
        Some(key) => Some(super::tenant(directory, &key).await?.id),
        None => None,
    };
    let events = directory
        .store()
        .audit_events(&AuditQuery {
            tenant_id,
            action_prefix: action,
            since: None,
            limit,
        })
        .await?;
    let rows = events
        .iter()
        .map(|e| {
            vec![
                e.time
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                e.actor.to_string(),
                e.action.clone(),
                e.target.clone(),
                match &e.result {
                    AuditResult::Success => "success".to_string(),
                    AuditResult::Failure(why) => format!("failure: {why}"),
                },
            ]
        })
        .collect::<Vec<_>>();
    print_table(
        json,
        &["TIME", "ACTOR", "ACTION", "TARGET", "RESULT"],
        &rows,
        &events,
    );
    Ok(())
}
