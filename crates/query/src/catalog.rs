//! The dataset's tables as a DataFusion schema that opens a table only when a query names it,
//! next to the views and tables a session makes for itself (`CREATE VIEW`), which live as long
//! as the session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use datafusion::catalog::{SchemaProvider, TableProvider};
use datafusion::error::DataFusionError;
use datafusion::execution::runtime_env::RuntimeEnv;
use deltalake::delta_datafusion::engine::AsObjectStoreUrl;
use taskq_core::Table;
use taskq_store::Dataset;

use crate::views;

pub(crate) struct DatasetSchema {
    dataset: Dataset,
    runtime: Arc<RuntimeEnv>,
    opened: Mutex<HashMap<Table, Arc<dyn TableProvider>>>,
    made: Mutex<HashMap<String, Arc<dyn TableProvider>>>,
}

fn dataset_table(name: &str) -> DataFusionError {
    DataFusionError::Plan(format!(
        "`{name}` is a dataset table or built-in view: a query cannot replace or drop it"
    ))
}

/// A dataset table's or built-in view's name.
fn built_in(name: &str) -> bool {
    Table::from_name(name).is_some() || views::view(name).is_some()
}

fn locked<T>(m: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, DataFusionError> {
    m.lock()
        .map_err(|e| DataFusionError::External(e.to_string().into()))
}

impl std::fmt::Debug for DatasetSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatasetSchema")
            .field("root", &self.dataset.root())
            .finish()
    }
}

impl DatasetSchema {
    pub(crate) fn new(dataset: Dataset, runtime: Arc<RuntimeEnv>) -> Self {
        DatasetSchema {
            dataset,
            runtime,
            opened: Mutex::default(),
            made: Mutex::default(),
        }
    }
}

#[async_trait::async_trait]
impl SchemaProvider for DatasetSchema {
    fn table_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Table::ALL.iter().map(|t| t.name().to_owned()).collect();
        names.extend(views::views().iter().map(|v| v.name.to_owned()));
        if let Ok(made) = self.made.lock() {
            names.extend(made.keys().cloned());
        }
        names
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>, DataFusionError> {
        if let Some(p) = locked(&self.made)?.get(name) {
            return Ok(Some(p.clone()));
        }
        if let Some(v) = views::view(name) {
            return Ok(Some(v));
        }
        let Some(t) = Table::from_name(name) else {
            return Ok(None);
        };
        if let Some(p) = locked(&self.opened)?.get(&t) {
            return Ok(Some(p.clone()));
        }
        let Some(table) = self
            .dataset
            .table(t)
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?
        else {
            // No run has made the table yet: it has its columns and no rows.
            let empty = datafusion::datasource::MemTable::try_new(t.schema(), vec![vec![]])?;
            return Ok(Some(Arc::new(empty)));
        };
        let log_store = table.log_store();
        let url = log_store.root_url().as_object_store_url();
        if self.runtime.object_store(&url).is_err() {
            self.runtime
                .register_object_store(url.as_ref(), log_store.root_object_store(None));
        }
        let provider = table
            .table_provider()
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        locked(&self.opened)?.insert(t, provider.clone());
        Ok(Some(provider))
    }

    fn register_table(
        &self,
        name: String,
        table: Arc<dyn TableProvider>,
    ) -> Result<Option<Arc<dyn TableProvider>>, DataFusionError> {
        if built_in(&name) {
            return Err(dataset_table(&name));
        }
        Ok(locked(&self.made)?.insert(name, table))
    }

    fn deregister_table(
        &self,
        name: &str,
    ) -> Result<Option<Arc<dyn TableProvider>>, DataFusionError> {
        if built_in(name) {
            return Err(dataset_table(name));
        }
        Ok(locked(&self.made)?.remove(name))
    }

    fn table_exist(&self, name: &str) -> bool {
        built_in(name) || self.made.lock().is_ok_and(|m| m.contains_key(name))
    }
}
