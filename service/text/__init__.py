"""Text preparation: article cleaning and sentence segmentation."""
